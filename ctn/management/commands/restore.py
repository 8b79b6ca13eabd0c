from django.core.management.base import BaseCommand, CommandError

from ctn.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore an archive written by `backup` into an empty database and an empty "
        "MEDIA_ROOT. Refuses to overwrite anything."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Path of a ctn-backup-….tar.gz archive.")
        parser.add_argument("--database", default="default", help="Database alias to restore.")

    def handle(self, *args, **options):
        try:
            manifest = restore_backup(options["archive"], using=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created_at']} "
                f"({len(manifest['files'])} files). If the application is newer than the "
                "backup, run `python manage.py migrate` next."
            )
        )
