from typing import cast

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone

from courses.models import Course
from labs.models import Lab
from quizzes.exchange import FORMATS
from quizzes.exchange.imports import MAX_UPLOAD_BYTES
from quizzes.models import Quiz
from teams.models import Assessment, Organisation, QuestionPool


class OrganisationForm(forms.Form):
    name = forms.CharField(max_length=200, label="Organisation name")


class QuizChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Quiz) -> str:
        if not obj.published:
            return f"{obj.title} (your imported questions)"
        return f"{obj.title} (question bank)" if obj.lesson_id is None else obj.title


class AssessmentForm(forms.Form):
    title = forms.CharField(max_length=200)
    quizzes = QuizChoiceField(
        queryset=Quiz.objects.none(),  # set per organisation in __init__
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    questions_per_factor = forms.IntegerField(
        min_value=1,
        max_value=10,
        required=False,
        help_text="For a question bank such as the final assessment: draw this many questions per factor for each "
        "person, shuffled. Leave empty to give the whole quiz.",
    )
    labs = forms.ModelMultipleChoiceField(
        queryset=Lab.objects.published().select_related("course"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    pass_mark = forms.IntegerField(min_value=1, max_value=100, initial=70, help_text="Percent, over every part.")
    deadline = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="UTC.",
    )
    attempts_allowed = forms.IntegerField(
        min_value=0, max_value=20, initial=2, help_text="Attempts per quiz; 0 for unlimited."
    )
    time_limit_minutes = forms.IntegerField(
        min_value=1, max_value=600, required=False, label="Time limit (minutes)", help_text="Per quiz attempt."
    )
    feedback = forms.ChoiceField(choices=Assessment.Feedback.choices, label="Feedback to the learner")

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        # The course's quizzes, and the banks this organisation imported (no other organisation's).
        pools = QuestionPool.objects.filter(organisation=organisation).values("quiz")
        cast(forms.ModelMultipleChoiceField, self.fields["quizzes"]).queryset = (
            Quiz.objects.filter(Q(pk__in=Quiz.objects.published()) | Q(pk__in=pools))
            .select_related("course")
            .order_by("course__order", "order", "title")
        )

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline <= timezone.now():
            raise forms.ValidationError("The deadline must be in the future.")
        return deadline

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("quizzes") and not cleaned.get("labs"):
            raise forms.ValidationError("Choose at least one quiz or lab.")
        return cleaned

    def quiz_parts(self) -> list[tuple[Quiz, int | None]]:
        """Each chosen quiz with its draw: banks (quizzes without a lesson) draw per factor, lesson quizzes whole."""
        per_factor = self.cleaned_data.get("questions_per_factor")
        return [(quiz, per_factor if quiz.lesson_id is None else None) for quiz in self.cleaned_data["quizzes"]]


class PoolImportForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="What your assessments will call this bank.")
    format = forms.ChoiceField(
        choices=[(key, f"{exchange.name} (.{exchange.extension})") for key, exchange in FORMATS.items()],
        label="File format",
        help_text="GIFT from Moodle; a QTI 2.1 package from Canvas or Brightspace.",
    )
    file = forms.FileField(help_text=f"At most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    course = forms.ModelChoiceField(
        queryset=Course.objects.published().order_by("order"),
        empty_label=None,
        help_text="The course whose assessments may use these questions.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        return upload


class AssignForm(forms.Form):
    members: "forms.ModelMultipleChoiceField[User]" = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, users: QuerySet[User], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["members"]).queryset = users


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address")
