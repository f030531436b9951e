"""The ids of the operations' buttons in the App Home and of their modal: what the views put
on them and the listeners match. Buttons of an old Home keep their ids, so an id never
changes."""

from __future__ import annotations

ACTION_ADD = "wolkvox_operation_add"
ACTION_EDIT = "wolkvox_operation_edit"  # value: the operation's name
ACTION_REMOVE = "wolkvox_operation_remove"  # value: the operation's name (confirmed first)
ADMIN_ACTIONS = (ACTION_ADD, ACTION_EDIT, ACTION_REMOVE)

MODAL = "wolkvox_operation_modal"  # the form: its submission saves
RESULT = "wolkvox_operation_result"  # "testing…", "saved", a refusal: nothing to submit

# the form's input blocks (block id -> the one element's action id)
NAME_BLOCK = "operation_name"
SERVER_BLOCK = "operation_server"
TOKEN_BLOCK = "operation_token"  # noqa: S105 (a block id)
QUOTA_BLOCK = "operation_daily_quota"
ALIASES_BLOCK = "operation_aliases"
TEST_BLOCK = "operation_test_connector"
INPUT = "value"  # each block's plain_text_input

# OperationInvalid.field -> the block its error shows under
FIELD_BLOCKS = {
    "name": NAME_BLOCK,
    "server": SERVER_BLOCK,
    "token": TOKEN_BLOCK,
    "daily_quota": QUOTA_BLOCK,
    "aliases": ALIASES_BLOCK,
    "test_connector": TEST_BLOCK,
}
