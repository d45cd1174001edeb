"""The modal screens pushed over a screen: the action menu and forms (and
:mod:`~gridtui.screens.modals.acting`, which opens them for a ticket), the queue's
filter form, the points adjustment and the ``?`` help overlay."""
