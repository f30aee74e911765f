from celery import shared_task


@shared_task(acks_late=True, max_retries=3, bind=True, soft_time_limit=60, time_limit=90)
def render_document_pdf(self, document_id: int):
    """Runs in the schema of the commune that issued the document (tenant-schemas-celery)."""
    from ledger import selectors, services  # services enqueue this task: imported at run time

    document = selectors.document_by_id(document_id)
    if document is None:  # the issuing transaction was rolled back after all
        return
    try:
        services.store_pdf(document)
    except Exception as error:
        raise self.retry(exc=error, countdown=30) from error


@shared_task(acks_late=True, max_retries=3, bind=True, soft_time_limit=600, time_limit=660)
def render_batch_pdfs(self, batch_id: int):
    """The PDFs of a monthly batch's invoices (those not stored yet: a retry resumes)."""
    from ledger import selectors, services

    try:
        for document in selectors.batch_invoices_without_pdf(batch_id):
            services.store_pdf(document)
    except Exception as error:
        raise self.retry(exc=error, countdown=30) from error
