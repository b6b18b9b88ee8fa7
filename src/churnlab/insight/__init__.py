"""The insight layer: what drives churn (contributions, drivers, reasons) and who the members
are (portraits), with their texts. Below it: model, data.
"""
