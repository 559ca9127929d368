from typing import Any

from django import forms

from courses.models import Course
from workshops.models import Cohort


class CohortForm(forms.ModelForm):
    course = forms.ModelChoiceField(queryset=Course.objects.published(), empty_label=None)

    class Meta:
        model = Cohort
        fields = ["course", "name", "starts_on", "ends_on", "seat_cap"]
        labels = {"starts_on": "Starts on", "ends_on": "Ends on", "seat_cap": "Seats"}
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "seat_cap": forms.NumberInput(attrs={"min": 1, "max": 500}),
        }

    def clean_seat_cap(self) -> int:
        seats = self.cleaned_data["seat_cap"]
        if not 1 <= seats <= 500:
            raise forms.ValidationError("Between 1 and 500 seats.")
        return seats

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The cohort cannot end before it starts.")
        return data


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label="Join code", max_length=40, help_text="The code your instructor shows, e.g. ABCD EFGH JKMN."
    )
