"""Bulk writes that keep the audit trail (django-simple-history).

simple-history records a historical row from the `post_save` and `post_delete` signals, so
`save()`, `delete()` and `QuerySet.delete()` (which sends the signals for each row) are seen.
`QuerySet.update()`, `bulk_update()` (an `update()` underneath) and `bulk_create()` send no
signal: the querysets of the audited models derive from HistoryQuerySet, which writes the
historical rows of the rows they change, in the same transaction, with the request's user.
"""

from django.db import models, transaction

from ctn.cache import forget_stamps


def _history_manager(model):
    name = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, name) if name else None


def _tracked_names(model):
    history = _history_manager(model)
    if history is None:
        return set()
    return {field.name for field in history.model.tracked_fields} | {
        field.attname for field in history.model.tracked_fields
    }


class HistoryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        history = _history_manager(self.model)
        # A change of untracked columns only (the optimistic-lock `version`) is no event.
        if history is None or not set(kwargs) & _tracked_names(self.model):
            return super().update(**kwargs)
        with transaction.atomic(using=self.db, savepoint=False):
            pks = list(self.select_for_update().values_list("pk", flat=True))
            count = super().update(**kwargs)
            if pks:
                changed = self.model._base_manager.using(self.db).filter(pk__in=pks)
                history.bulk_history_create(list(changed), update=True)
                forget_stamps()
        return count

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = super().bulk_create(objs, *args, **kwargs)
        history = _history_manager(self.model)
        if history is not None and not kwargs.get("update_conflicts"):
            created = [obj for obj in objs if obj.pk is not None]
            if created:
                history.bulk_history_create(created)
                forget_stamps()
        return objs

    bulk_create.alters_data = True
