from django import forms


class SubmissionForm(forms.Form):
    # Either field will do, but one is needed: neither is "(optional)" (the lab page says so above the form).
    one_of_the_fields_required = True

    archive = forms.FileField(
        required=False,
        label="Upload your repository",
        help_text="A .zip or .tar.gz of the repository (the .git folder is not needed).",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.tar.gz,.tgz,application/zip,application/gzip"}),
    )
    git_url = forms.CharField(
        required=False,
        max_length=500,
        label="or a public git URL",
        help_text="https only, on an allowed host, e.g. https://github.com/you/your-service",
    )
