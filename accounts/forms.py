from django import forms
from django.contrib.auth.forms import UserCreationForm, UsernameField
from django.contrib.auth.models import User

NAME_HELP = "Printed on your certificates and shown to your instructors and team admins. Your username if left empty."


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        required=False,
        help_text="Optional. Only used to reset a forgotten password.",
    )

    class Meta:
        model = User
        fields = ("username", "first_name", "email")
        field_classes = {"username": UsernameField}  # as UserCreationForm.Meta: usernames NFKC-normalised
        labels = {"first_name": "Your name"}
        help_texts = {"first_name": NAME_HELP}

    def clean_first_name(self) -> str:
        return self.cleaned_data["first_name"].strip()


class ProfileForm(forms.Form):
    name = forms.CharField(
        label="Your name", max_length=User._meta.get_field("first_name").max_length, required=False, help_text=NAME_HELP
    )
    email = forms.EmailField(
        required=False, help_text="Used to reset a forgotten password and for your team's assignments."
    )
