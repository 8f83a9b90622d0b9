"""The GCW_… settings read as every command reads them: the first check, and the only one that stops the
others (nothing can be checked without the settings)."""

from __future__ import annotations

from gcworkflow.doctor.findings import Finding, ok
from gcworkflow.settings import Settings, unreadable_setting

__all__ = ["settings_from_environment"]


def settings_from_environment() -> tuple[Settings | None, Finding]:
    """The GCW_… settings, or the failing line that names each wrong value (nothing else can be checked then)."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from gcworkflow.validation import korean_message, shown_input

    try:
        settings = Settings()
    except ValidationError as exc:
        # Named as the operator set them (GCW_SMTP_PORT), not as the field inside the program (smtp_port).
        lines = [
            f"- GCW_{str(error['loc'][0]).upper() if error['loc'] else '…'}: {korean_message(error)}"
            f"{shown_input(error)}"
            for error in exc.errors(include_url=False)
        ]
        return None, Finding(
            "settings",
            "fail",
            "환경 설정(GCW_…)에 잘못된 값이 있어 다른 점검을 하지 못했습니다:\n" + "\n".join(lines),
            "위에 적힌 환경변수를 고치십시오 (README의 Settings 참고).",
        )
    except SettingsError as exc:
        # A list or mapping setting that is not JSON fails before validation, naming only the field.
        name = unreadable_setting(exc)
        return None, Finding(
            "settings",
            "fail",
            f"환경 설정 {name}의 값을 읽을 수 없어 다른 점검을 하지 못했습니다 (목록은 JSON으로 적습니다: 예 [7, 3, 1]).",
            f"{name} 환경변수를 고치십시오.",
        )
    return settings, ok("settings", "환경 설정(GCW_…)을 읽었습니다.")
