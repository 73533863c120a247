"""The login lockout (django-axes) under a Chinese name in the admin site: the app ships
its label only in English, and an administrator reads every word of the admin in Chinese
(its field names come from locale/zh_Hans)."""

from axes.apps import AppConfig as AxesConfig


class LoginLockoutConfig(AxesConfig):
    verbose_name = "登录锁定"
