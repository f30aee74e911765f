from celery import shared_task

from ledger import services
from ledger.models import Document


@shared_task(acks_late=True, max_retries=3, bind=True, soft_time_limit=60, time_limit=90)
def render_document_pdf(self, document_id: int):
    """Runs in the schema of the commune that issued the document (tenant-schemas-celery)."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None:  # the issuing transaction was rolled back after all
        return
    try:
        services.store_pdf(document)
    except Exception as error:
        raise self.retry(exc=error, countdown=30) from error
