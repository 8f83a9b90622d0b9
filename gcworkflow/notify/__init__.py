"""Notifications: the outbox and its channels (SMTP, Maildir for local runs)."""

from gcworkflow.notify.channels import Channel, MaildirChannel, SendFailed, SmtpChannel, channel_for
from gcworkflow.notify.compose import message_id
from gcworkflow.notify.outbox import DispatchReport, dispatch, list_outbox, requeue

__all__ = [
    "Channel",
    "DispatchReport",
    "MaildirChannel",
    "SendFailed",
    "SmtpChannel",
    "channel_for",
    "dispatch",
    "list_outbox",
    "message_id",
    "requeue",
]
