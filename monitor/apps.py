from django.apps import AppConfig
from django.db.models.signals import post_migrate

ACTIONS = {"add": "新增", "change": "修改", "delete": "删除", "view": "查看"}


class MonitorConfig(AppConfig):
    name = "monitor"
    verbose_name = "监测"

    def ready(self):
        # Connected after django.contrib.auth's own receiver (monitor comes later in
        # INSTALLED_APPS), so the permissions it has just made are there to be named.
        post_migrate.connect(name_permissions_in_chinese,
                             dispatch_uid="monitor.name_permissions_in_chinese")


def name_permissions_in_chinese(sender, using="default", **kwargs):
    """The admin site lists permissions by name, and Django names them in English when it
    makes them ("Can add 预警"): name the four of each model of `sender` in Chinese
    ("可新增预警"). Runs after every migrate; a name already right is left alone."""
    from django.conf import settings
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        for model in sender.get_models():
            kind = ContentType.objects.db_manager(using).get_for_model(
                model, for_concrete_model=False)
            for action, word in ACTIONS.items():
                name = f"可{word}{model._meta.verbose_name}"[:255]
                Permission.objects.using(using).filter(
                    content_type=kind, codename=f"{action}_{model._meta.model_name}").exclude(
                    name=name).update(name=name)
