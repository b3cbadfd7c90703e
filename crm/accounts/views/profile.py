"""The profile page: who I am and my preferences."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django_otp import user_has_device

from crm.accounts import roles, selectors, services
from crm.accounts.forms import ProfileForm


@login_required
def profile(request):
    me = selectors.user_with_org(request.user.pk)
    form = ProfileForm(request.POST or None, instance=me)
    if request.method == "POST" and form.is_valid():
        services.user_update_preferences(request.user, **form.cleaned_data)
        translation.activate(form.cleaned_data["language"])
        messages.success(request, _("Saved."))
        return redirect("accounts:profile")
    context = {
        "me": me,
        "form": form,
        "role_labels": [roles.role_label(code) for code in sorted(request.user.role_codes)],
        "has_otp": user_has_device(request.user, confirmed=True),
    }
    return render(request, "accounts/profile.html", context)
