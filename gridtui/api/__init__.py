"""gridtui.api"""
