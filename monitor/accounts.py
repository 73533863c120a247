"""The user's own account: logging in, and the 账号 page where a user sees and revokes
their API token (issue 16)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import TextInput
from django.shortcuts import redirect, render
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from .audit import audit_record
from .models import AuditAction, User
from .services import profile_save

USERNAME_MAX = User._meta.get_field("username").max_length


class LoginForm(AuthenticationForm):
    """Django's login form, with the username's length checked before anyone tries it:
    Django sets the limit on the widget only, so a name of thousands of characters
    reached the login lockout's records (at most 255) and failed on PostgreSQL."""

    username = UsernameField(max_length=USERNAME_MAX,
                             widget=TextInput(attrs={"autofocus": True}))


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login form, with the same check (admin.site.login_form)."""

    username = LoginForm.base_fields["username"]


# ── API tokens: they expire, a new password ends them, their owner sees and revokes ───

def token_expires(token: Token):
    return token.created + timedelta(days=settings.API_TOKEN_DAYS)


def token_valid(token: Token) -> bool:
    """A token works until API_TOKEN_DAYS after it was made, and only if it was made
    after the owner's last change of password (a new password ends every old token)."""
    if timezone.now() >= token_expires(token):
        return False
    changed = token.user.password_changed_at
    return changed is None or token.created >= changed


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing (401) a token that is no longer valid."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if not token_valid(token):
            raise AuthenticationFailed("API 令牌已过期或因修改密码而失效：请在“账号”页重新生成")
        return user, token


@transaction.atomic
def token_renew(*, user) -> Token:
    """A new token for the user (the old one, if any, stops working)."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    audit_record(actor=user, action=AuditAction.CREATED, kind="token",
                 label=f"{user.display_name} 的 API 令牌", note="生成新令牌，旧令牌作废")
    return token


@transaction.atomic
def token_revoke(*, user) -> bool:
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        audit_record(actor=user, action=AuditAction.DELETED, kind="token",
                     label=f"{user.display_name} 的 API 令牌", note="撤销令牌")
    return bool(deleted)


@login_required
def account(request):
    """账号: who the user is (the name, unit and phone people see, kept by the user), and
    their API token: when it was made and when it expires,
    a new one (shown once, in full) or none."""
    shown = None
    if request.method == "POST":
        if request.POST.get("action") == "profile":
            try:
                profile_save(user=request.user, name=request.POST.get("name", ""),
                             unit=request.POST.get("unit", ""),
                             phone=request.POST.get("phone", ""))
                messages.success(request, "已保存您的姓名、单位和电话")
            except ValidationError as refused:
                messages.error(request, "；".join(refused.messages))
            return redirect("account")
        if request.POST.get("action") == "renew":
            shown = token_renew(user=request.user).key
            messages.success(request, "已生成新令牌：请立即复制保存，离开本页后不再显示全文")
        elif request.POST.get("action") == "revoke":
            if token_revoke(user=request.user):
                messages.success(request, "已撤销令牌：使用它的程序将无法再访问")
            return redirect("account")
    token = Token.objects.filter(user=request.user).first()
    return render(request, "account.html", {
        "token": token, "shown": shown, "days": settings.API_TOKEN_DAYS,
        "expires": token_expires(token) if token else None,
        "valid": token_valid(token) if token else False,
    })
