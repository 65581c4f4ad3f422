"""CSV/XLSX import of customers, transactions, events and feedback, streamed in batches."""
