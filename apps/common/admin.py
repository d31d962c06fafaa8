from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For records only the services write (money, holds, statistics): staff read them, and
    act on them through admin actions that call the services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
