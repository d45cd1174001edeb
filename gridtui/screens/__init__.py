"""One module per top-level screen (their list: :mod:`gridtui.registry`), what they
share (:mod:`~gridtui.screens.base`), what they tell the app
(:mod:`~gridtui.screens.messages`) and the modal screens (:mod:`~gridtui.screens.modals`).
"""
