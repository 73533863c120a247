"""The county's survey workbook (interfaces.md): reading, validating, importing."""
