"""The import page's two steps: the upload, then the column mapping."""

from __future__ import annotations

from django import forms

from xinfang.ledger.fields import FIELD_CHOICES


class UploadForm(forms.Form):
    file = forms.FileField(label="台帐文件（.xlsx 或 .csv）")
    unit = forms.TypedChoiceField(label="导入到单位", coerce=int)
    mapping = forms.TypedChoiceField(
        label="使用已保存的列对应方案", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, units, mappings, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        self.fields["mapping"].choices = [
            ("", "按表头自动识别"),
            *((m.pk, f"{m.name}（{m.unit.name}）") for m in mappings),
        ]
        self.fields["file"].widget.attrs.update({"class": "form-control", "accept": ".xlsx,.csv"})
        for name in ("unit", "mapping"):
            self.fields[name].widget.attrs["class"] = "form-select"


class MappingForm(forms.Form):
    """One choice per column of the file; a name to save the mapping under."""

    mapping_name = forms.CharField(label="保存为方案（可选）", required=False, max_length=50)

    def __init__(self, *args, headers: list[str], columns: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        for i, header in enumerate(headers):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=header or f"第{i + 1}列",
                choices=FIELD_CHOICES,
                required=False,
                initial=columns.get(str(i), ""),
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
        self.fields["mapping_name"].widget.attrs["class"] = "form-control form-control-sm"

    def columns(self) -> dict[str, str]:
        return {
            str(i): self.cleaned_data.get(f"col_{i}") or ""
            for i in range(len(self.headers))
            if self.cleaned_data.get(f"col_{i}")
        }

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"col_{i}"] for i in range(len(self.headers))]
