from django.core.management.base import BaseCommand, CommandError

from ctn.backup import BackupError, create_backup, default_backup_dir


class Command(BaseCommand):
    help = (
        "Write a dated archive ctn-backup-YYYYmmdd-HHMMSS.tar.gz of the database (pg_dump or "
        "SQLite's online backup; the PDFs of record included) and of the uploaded files."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            metavar="DIR",
            help=f"Folder for the archive (default: $BACKUP_DIR or {default_backup_dir()}).",
        )
        parser.add_argument("--database", default="default", help="Database alias to back up.")

    def handle(self, *args, **options):
        try:
            archive = create_backup(options["output"], using=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backup written: {archive}"))
