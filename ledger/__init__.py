"""Household accounts per service: invoices, credit notes, payments, statements, PDFs."""
