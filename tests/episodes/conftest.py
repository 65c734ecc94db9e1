import pytest
from django.contrib.auth.models import User


@pytest.fixture
def editor(client, sample_episode):
    """A staff member signed in, with the sample to edit."""
    client.force_login(User.objects.create_superuser("editor", "e@example.org", "pw"))
    return client
