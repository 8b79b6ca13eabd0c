import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ctn.roles import Role
from participants.models import Organization, Person


class Command(BaseCommand):
    help = "Create (or update) a user with one of the roles secretariat, coordinator, partner."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[role.value for role in Role])
        parser.add_argument("--organization", help="Acronym of the user's organization.")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            help="Read the password from this environment variable instead of prompting.",
        )

    def handle(self, *args, **options):
        organization = None
        if options["organization"]:
            organization = Organization.objects.filter(acronym=options["organization"]).first()
            if organization is None:
                raise CommandError(f"No organization with acronym {options['organization']!r}.")
        password = self._password(options)
        User = get_user_model()
        user = User(username=options["username"], email=options["email"])
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=options["username"])
            user.email = options["email"] or user.email
            user.first_name = options["first_name"] or user.first_name
            user.last_name = options["last_name"] or user.last_name
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=options["role"])])
            if organization is not None or options["first_name"] or options["last_name"]:
                person = Person.objects.filter(user=user).first() or Person(user=user)
                person.first_name = user.first_name or person.first_name or user.username
                person.last_name = user.last_name or person.last_name or user.username
                person.email = user.email or person.email
                person.organization = organization or person.organization
                person.save()
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} user {user.username} ({options['role']})."))

    def _password(self, options):
        variable = options["password_from_env"]
        if variable:
            password = os.environ.get(variable)
            if not password:
                raise CommandError(f"The environment variable {variable} is empty or not set.")
            return password
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return password
