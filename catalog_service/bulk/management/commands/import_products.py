from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog_service.bulk import imports
from catalog_service.bulk.api import ImportJobSerializer
from catalog_service.bulk.models import ImportJob


class Command(BaseCommand):
    help = (
        "Imports products from the catalog's CSV (the API's import, run here rather than by a "
        "worker), with a progress bar. Exits 1 if the job failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (UTF-8), or - for standard input.")
        parser.add_argument(
            "--mode", choices=ImportJob.Mode.values, default=ImportJob.Mode.ALL_OR_NOTHING
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and report only.")
        parser.add_argument(
            "--create-missing", action="store_true", help="Create missing brands and categories."
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="The admin the changes are recorded for (default: none, shown as the system).",
        )

    def handle(self, *args, file, mode, dry_run, create_missing, username, **options):
        actor = None
        if username:
            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"No user {username!r}.")
        try:
            if file == "-":
                content, filename = self.stdin.buffer.read(), "stdin"
            else:
                with open(file, "rb") as source:
                    content, filename = source.read(), file.rsplit("/", 1)[-1]
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            job = imports.job_create(
                content=content,
                actor=actor,
                mode=mode,
                dry_run=dry_run,
                create_missing=create_missing,
                filename=filename,
            )
        except imports.ImportRefusedError as exc:
            raise CommandError(f"{exc.get_codes()}: {exc.detail}") from exc
        with tqdm(total=job.rows_total, unit="row", disable=None, file=self.stderr) as bar:
            token = imports.progress_watcher.set(lambda done: bar.update(done - bar.n))
            try:
                imports.job_run(job.pk)
            finally:
                imports.progress_watcher.reset(token)
            bar.update(job.rows_total - bar.n)
        job.refresh_from_db()
        self._report(job)
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(job.message or "The import failed.")

    def _report(self, job):
        body = ImportJobSerializer(job).data
        self.stdout.write(
            f"{'Checked' if job.dry_run else 'Imported'} {job.rows_total} row(s): "
            f"{body['created']} created, {body['updated']} updated, {body['unchanged']} "
            f"unchanged, {body['failed']} failed."
        )
        for error in body["errors"]:
            self.stdout.write(
                f"  line {error['line']}, {error['column'] or 'row'}: "
                f"{error['code']}: {error['message']}"
            )
        if job.failed > len(body["errors"]):
            self.stdout.write(f"  ... and {job.failed - len(body['errors'])} more.")
