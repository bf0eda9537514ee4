from django.contrib import admin

from feeds.models import Comment, Item, ItemHashtag, ItemState, Like, Person


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "platform", "handle", "user", "updated_at"]
    list_filter = ["platform"]
    search_fields = ["name", "handle", "external_id"]
    raw_id_fields = ["user"]


class ItemHashtagInline(admin.TabularInline):
    model = ItemHashtag
    raw_id_fields = ["hashtag"]
    extra = 0
    verbose_name = "hashtag"


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["__str__", "platform", "author", "published_at", "hidden"]
    list_filter = ["platform", "hidden", "published_at"]
    search_fields = ["title", "html", "external_id", "url"]
    date_hierarchy = "published_at"
    raw_id_fields = ["author", "group", "posted_by"]
    inlines = [ItemHashtagInline]
    readonly_fields = ["platform", "external_id", "html", "fetched_at", "updated_at", "sources"]
    list_select_related = ["author"]
    actions = ["hide", "unhide"]

    @admin.action(description="Hide the selected items (moderation)")
    def hide(self, request, queryset):
        self.message_user(request, f"Hid {queryset.update(hidden=True)} item(s).")

    @admin.action(description="Show the selected items again")
    def unhide(self, request, queryset):
        self.message_user(request, f"Restored {queryset.update(hidden=False)} item(s).")


@admin.register(ItemState)
class ItemStateAdmin(admin.ModelAdmin):
    list_display = ["user", "item", "is_read", "is_favourite", "is_saved", "is_hidden"]
    list_filter = ["is_read", "is_favourite", "is_saved", "is_hidden"]
    search_fields = ["user__email"]
    raw_id_fields = ["user", "item"]


@admin.register(Like)
class LikeAdmin(admin.ModelAdmin):
    list_display = ["user", "item", "created_at"]
    raw_id_fields = ["user", "item"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["user", "item", "created_at", "hidden"]
    list_filter = ["hidden"]
    search_fields = ["body", "user__email"]
    raw_id_fields = ["user", "item"]
