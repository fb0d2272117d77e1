from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A named API token of one staff member (one per client). Only the key's SHA-256 is
    stored: the key itself is shown once, when it is issued. `password_stamp` ties the token to
    the password it was issued under: a changed password makes it invalid (api/tokens.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name="工作人员",
    )
    name = models.CharField("名称", max_length=50)
    key_hash = models.CharField(max_length=64, unique=True)
    # The key's first characters, to tell tokens apart on the page (not enough to use it).
    prefix = models.CharField("前缀", max_length=8)
    password_stamp = models.CharField(max_length=128)
    created_at = models.DateTimeField("签发时间")
    expires_at = models.DateTimeField("到期时间", db_index=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="api_token_user_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
