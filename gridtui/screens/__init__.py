"""gridtui.screens"""
