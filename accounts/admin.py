from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import LinkedAccount, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "role", "is_staff", "is_active", "date_joined"]
    list_filter = ["role", "is_staff", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "role", "bio", "blog_url"]}),
        ("Other accounts", {"fields": ["x_handle", "mastodon_handle", "bluesky_handle"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(LinkedAccount)
class LinkedAccountAdmin(admin.ModelAdmin):
    list_display = ["handle", "platform", "server", "user", "expires_at", "created_at"]
    list_filter = ["platform"]
    search_fields = ["handle", "user__email"]
    # Tokens never appear in the admin, not even as ciphertext.
    exclude = ["access_token", "refresh_token"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["user"]
