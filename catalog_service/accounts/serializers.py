from django.contrib.auth.validators import UnicodeUsernameValidator
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

from .models import User


class UserSerializer(serializers.ModelSerializer):
    """An account as admins see and manage it. The password is write-only."""

    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    password = serializers.CharField(
        write_only=True,
        required=False,
        style={"input_type": "password"},
        trim_whitespace=False,
        max_length=128,
        help_text="Required on create. Send it in a PATCH to change the password.",
    )
    is_staff = serializers.BooleanField(
        default=True, help_text="Admin rights. Accounts created here are admins unless false."
    )
    is_active = serializers.BooleanField(default=True)

    class Meta:
        model = User
        fields = (
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "is_staff",
            "is_active",
            "is_superuser",
            "date_joined",
            "last_login",
            "password",
        )
        read_only_fields = ("id", "is_superuser", "date_joined", "last_login")

    def validate(self, attrs):
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": ["This field is required."]})
        return attrs


class TokenObtainSerializer(TokenObtainPairSerializer):
    """Token pair plus who logged in, so a client knows at once whether it may write."""

    def validate(self, attrs):
        data = super().validate(attrs)
        data.update(user_id=self.user.pk, username=self.user.username, is_staff=self.user.is_staff)
        return data


class TokenPairResponseSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
