"""Writes to users (domain.md §1)."""

from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from .audit import audit_record
from .models import AuditAction, User, check_role_binding
from .names import validate_name
from .roles import ADMIN_SITE_MODELS, Role


@transaction.atomic
def user_save(
    *, username: str, role: str, place=None, channel: str = "",
    password: str | None = None, name: str | None = None, unit: str | None = None,
    phone: str | None = None,
) -> tuple[User, bool]:
    """Create the user, or update role, place (a households.Place, or None) and channel of
    an existing one, and the name, unit and phone people see them by (each only when
    given). Returns (user, created). The password is set when given; a new user needs
    one."""
    if role not in Role.values:
        raise ValidationError(f"未知角色“{role}”，可选：{'、'.join(Role.values)}")
    check_role_binding(role=role, place=place, channel=channel)
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        if not password:
            raise ValidationError("新用户必须设置密码")
        user = User(username=username)
    if password:
        validate_password(password, user)
        user.set_password(password)
    user.role, user.place, user.channel = role, place, channel
    if name is not None:
        user.first_name, user.last_name = name.strip(), ""
    if unit is not None:
        user.unit = unit.strip()
    if phone is not None:
        user.phone = phone.strip()
    user.save()
    admin_site_access(user)
    return user, created


def admin_site_access(user: User) -> None:
    """The admin site as the role says (domain.md §1): an administrator is staff with
    exactly the permissions of what they manage there; any other role, neither (a role
    changed away from admin loses them). A superuser stays one: that is county IT's own
    account, made by createsuperuser, not a role."""
    is_admin = user.role == Role.ADMIN
    if user.is_staff != is_admin:
        user.is_staff = is_admin
        user.save(update_fields=["is_staff"])
    user.user_permissions.set(admin_site_permissions() if is_admin else [])


def admin_site_permissions():
    """Every permission (add, change, delete, view) on the models an administrator manages
    in the admin site (monitor.roles.ADMIN_SITE_MODELS), and none other."""
    models = Q()
    for app_label, model in ADMIN_SITE_MODELS:
        models |= Q(content_type__app_label=app_label, content_type__model=model)
    return Permission.objects.filter(models)


@transaction.atomic
def profile_save(*, user: User, name: str, unit: str, phone: str) -> User:
    """A user keeps the name, unit and phone people see them by (账号 page): checked as
    every name is, each change in the audit trail."""
    name, unit, phone = name.strip(), unit.strip(), phone.strip()
    if not name:
        raise ValidationError("请填写姓名：各页面、清单和导出用它称呼您")
    validate_name(name)
    validate_name(unit)
    if phone and not (phone.replace("-", "").isascii() and phone.replace("-", "").isdigit()):
        raise ValidationError("电话只能包含数字和“-”")
    for label, value, field in (("姓名", name, "first_name"), ("单位", unit, "unit"),
                                ("电话", phone, "phone")):
        longest = User._meta.get_field(field).max_length
        if len(value) > longest:
            raise ValidationError(f"{label}最多 {longest} 个字")
    before = {"姓名": user.display_name, "单位": user.unit, "电话": user.phone}
    user.first_name, user.last_name, user.unit, user.phone = name, "", unit, phone
    user.save(update_fields=["first_name", "last_name", "unit", "phone"])
    after = {"姓名": user.display_name, "单位": user.unit, "电话": user.phone}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        audit_record(actor=user, action=AuditAction.CHANGED, obj=user, changes=changes,
                     note="本人在账号页修改")
    return user
