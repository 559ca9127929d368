"""Test data built one way (factory-boy): users and instructors, organisations and their members, lab submissions and
their scorecards, lesson progress.

Labs, lessons and quizzes come from the real content loaded into the test database (tests/conftest.py), so a test
passes the one it means (`lab=...`, `lesson=...`) rather than getting an invented one.
"""

import factory
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from courses.models import LessonProgress
from labs.models import Scorecard, Submission
from teams.models import Membership, Organisation

# A password the site's validators accept, for tests that sign in through the login form or a browser.
PASSWORD = "a-long-Passphrase-42"  # pragma: allowlist secret


class UserFactory(factory.django.DjangoModelFactory):
    """A learner, made by `create_user` as sign-up does. Without `password=` the account has no usable password,
    as `create_user` leaves it: only tests that sign in through a form pay for hashing one."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"learner{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, **kwargs)


class InstructorFactory(UserFactory):
    """A user who may lead cohorts (the workshops app's `lead_cohort` permission)."""

    username = factory.Sequence(lambda n: f"instructor{n}")

    @factory.post_generation
    def lead_cohort(user, create, extracted, **kwargs):
        # Added before anything asks the user for permissions, so no stale permission cache on this instance.
        user.user_permissions.add(Permission.objects.get(codename="lead_cohort", content_type__app_label="workshops"))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    """A user's membership of an organisation (teams); a member unless `role=Membership.Role.ADMIN`."""

    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A lab submission (queued unless `status=` says otherwise). `lab=` is required: a lab from the content."""

    class Meta:
        model = Submission

    user = factory.SubFactory(UserFactory)


class ScorecardFactory(factory.django.DjangoModelFactory):
    """The grader's result for a submission: pass `submission=`, or `submission__lab=` to make one."""

    class Meta:
        model = Scorecard

    submission = factory.SubFactory(
        SubmissionFactory,
        status=factory.LazyAttribute(
            lambda sub: (
                Submission.Status.PASSED if sub.factory_parent.score >= sub.lab.pass_mark else Submission.Status.FAILED
            )
        ),
    )
    score = 100
    passed = factory.LazyAttribute(lambda card: card.score >= card.submission.lab.pass_mark)
    checks = factory.LazyFunction(list)


class LessonProgressFactory(factory.django.DjangoModelFactory):
    """A lesson the user has finished (`lesson=` is required: a lesson from the content)."""

    class Meta:
        model = LessonProgress

    user = factory.SubFactory(UserFactory)
    completed_at = factory.LazyFunction(timezone.now)
