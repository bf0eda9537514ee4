"""The user (email login, learner profile) and the platform accounts a learner links."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models

from accounts.crypto import EncryptedTextField


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.update(is_staff=True, is_superuser=True, role=User.Role.COORDINATOR)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A learner or course coordinator. Logs in with an email address, has no username."""

    class Role(models.TextChoices):
        LEARNER = "learner", "Learner"
        COORDINATOR = "coordinator", "Course coordinator"

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=100, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.LEARNER)
    bio = models.TextField(blank=True)
    # "Share your other accounts": public links shown on the learner's profile.
    blog_url = models.URLField("my blog", blank=True)
    x_handle = models.CharField("X handle", max_length=50, blank=True)
    mastodon_handle = models.CharField("Mastodon handle", max_length=200, blank=True)
    bluesky_handle = models.CharField("Bluesky handle", max_length=200, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]


class LinkedAccount(models.Model):
    """A learner's account on another platform, used to post and reply in their name.

    Tokens are encrypted at rest and never shown in the admin.
    """

    class Platform(models.TextChoices):
        MASTODON = "mastodon", "Mastodon"
        BLUESKY = "bluesky", "Bluesky"
        X = "x", "X"
        WORDPRESS = "wordpress", "WordPress"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="linked_accounts")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    server = models.URLField(blank=True, help_text="Instance or PDS base URL, where relevant.")
    handle = models.CharField(max_length=200)
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "platform", "server", "handle"], name="unique_linked_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.handle} on {self.get_platform_display()}"
