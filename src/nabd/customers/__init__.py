"""Customer profiles and the identities (e-mail, phone, CRM id, web id) that resolve to them."""
