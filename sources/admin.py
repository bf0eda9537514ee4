from django.contrib import admin, messages

from feeds.polling import poll_source, resume
from sources.models import (
    Blog,
    FollowedBlog,
    FollowedHashtag,
    FollowedPerson,
    Group,
    Hashtag,
    Invitation,
    JoinRequest,
    Membership,
    PlatformUsage,
    Source,
    Topic,
)


@admin.register(Hashtag)
class HashtagAdmin(admin.ModelAdmin):
    list_display = ["display", "name", "created_at"]
    search_fields = ["name", "display"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "visibility", "owner", "class_hashtag", "created_at"]
    list_filter = ["kind", "visibility"]
    search_fields = ["name", "slug", "owner__email"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["owner", "class_hashtag"]
    filter_horizontal = ["coordinators", "members", "hashtags", "blogs", "groups"]
    autocomplete_fields = ["people"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = [
        "__str__", "platform", "last_success_at", "next_poll_at", "consecutive_failures",
        "last_error", "pause_reason",
    ]  # fmt: skip
    list_filter = ["platform", ("paused_at", admin.EmptyFieldListFilter), "hashtag"]
    search_fields = ["title", "url", "last_error", "pause_reason"]
    readonly_fields = ["created_at", "last_polled_at", "last_success_at", "claimed_until"]
    actions = ["poll_now", "resume"]
    raw_id_fields = ["hashtag"]

    @admin.action(description="Poll the selected sources now")
    def poll_now(self, request, queryset):
        outcomes = [
            poll_source(pk, force=True).value for pk in queryset.values_list("pk", flat=True)
        ]
        self.message_user(request, f"Polled {len(outcomes)} source(s): {', '.join(outcomes)}.")

    @admin.action(description="Resume the selected paused sources")
    def resume(self, request, queryset):
        count = 0
        for source in queryset.exclude(paused_at=None):
            resume(source)
            count += 1
        self.message_user(request, f"Resumed {count} source(s).", messages.SUCCESS)


@admin.register(PlatformUsage)
class PlatformUsageAdmin(admin.ModelAdmin):
    list_display = ["platform", "day", "reads"]
    list_filter = ["platform"]
    date_hierarchy = "day"


@admin.register(Blog)
class BlogAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "feed_url", "owner", "created_at"]
    list_filter = ["kind"]
    search_fields = ["title", "site_url", "feed_url"]
    raw_id_fields = ["source", "owner"]


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "privacy", "created_by", "created_at"]
    list_filter = ["privacy"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["created_by"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "group", "role", "joined_at"]
    list_filter = ["role", "group__privacy"]
    search_fields = ["user__email", "group__name"]
    raw_id_fields = ["user", "group"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "group", "status", "created_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "group__name"]
    raw_id_fields = ["user", "group", "decided_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "group", "invited_by", "created_at", "accepted_at"]
    search_fields = ["email", "group__name"]
    raw_id_fields = ["group", "invited_by"]
    exclude = ["token"]


@admin.register(FollowedBlog)
class FollowedBlogAdmin(admin.ModelAdmin):
    list_display = ["user", "blog", "created_at"]
    search_fields = ["user__email", "blog__title"]
    raw_id_fields = ["user", "blog"]


@admin.register(FollowedHashtag)
class FollowedHashtagAdmin(admin.ModelAdmin):
    list_display = ["user", "hashtag", "created_at"]
    search_fields = ["user__email", "hashtag__name"]
    raw_id_fields = ["user", "hashtag"]


@admin.register(FollowedPerson)
class FollowedPersonAdmin(admin.ModelAdmin):
    list_display = ["user", "person", "created_at"]
    search_fields = ["user__email", "person__name", "person__handle"]
    raw_id_fields = ["user", "person"]
