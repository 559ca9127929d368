from django import forms
from django.utils import timezone

from labs.models import Lab
from quizzes.models import Quiz
from teams.models import Assessment


class OrganisationForm(forms.Form):
    name = forms.CharField(max_length=200, label="Organisation name")


class QuizChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Quiz) -> str:
        return f"{obj.title} (question bank)" if obj.lesson_id is None else obj.title


class AssessmentForm(forms.Form):
    title = forms.CharField(max_length=200)
    quizzes = QuizChoiceField(
        queryset=Quiz.objects.published().select_related("course").order_by("course__order", "order"),
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


class AssignForm(forms.Form):
    members = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = users


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address")
