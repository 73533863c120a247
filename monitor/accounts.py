"""The user's own account: logging in, and the 账号 page where a user sees and revokes
their API token (issue 16)."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.forms import TextInput

from .models import User

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
