"""gridtui.widgets"""
