"""Every piece of customer text from any channel: survey comments, reviews, tickets, chats."""
