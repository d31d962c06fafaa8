from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from .parsing import ascii_int


class PageNumberPagination(pagination.PageNumberPagination):
    """Pages from 1; a `page` or `page_size` that is not a whole number in range is a 400 (DRF
    answered `page=0` with a 404 and ignored a junk `page_size`); a page past the last is a 404."""

    page_size_query_param = "page_size"
    max_page_size = 100
    invalid_page_message = gettext_lazy("There is no page {page_number}.")

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param, "")
        if raw == "":
            return 1
        if raw in self.last_page_strings:
            return paginator.num_pages
        number = ascii_int(raw)
        if number is None or number < 1:
            raise ValidationError({self.page_query_param: [_("A page number from 1.")]})
        return number

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        size = ascii_int(raw)
        if size is None or not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("A whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
