"""Sarv's click-to-call error table, transcribed from the document for the simulator.

Apart from `sarv_sim` because it is the document's data, not the simulator's logic: a test
compares it with the document's table, and the simulator only looks codes up in it.
"""

from __future__ import annotations

#: The document's error table, as printed (1564 and 1566 share a text there).
ERROR_TEXTS: dict[int, str] = dict(
    (int(line[:4]), line[5:])
    for line in """\
1002 UserId not provided
1013 Invalid user id
1014 Token not found
1020 Invalid token
1501 Connection Issue
1502 fromType empty
1503 fromType Invalid
1504 toType empty
1505 toType Invalid
1506 from parameter not found
1507 to parameter not found
1508 invalid mobile number in from parameter
1509 invalid mobile number in to parameter
1510 Duplicate Mobile Number exists in from parameter
1511 Duplicate Mobile Number exists in to parameter
1512 Invalid Agent Id in from parameter
1513 Invalid Agent Id in to parameter
1514 Duplicate Agent Id Exists in from parameter
1515 Duplicate Agent Id Exists in to parameter
1516 Multiple Group Ids found in from parameter
1517 Multiple Group Ids found in to parameter
1518 Invalid Group Id in from parameter
1519 Invalid Group Id in to parameter
1520 Same value exists in from and to parameters
1521 from and to are empty
1522 fromStrategy invalid
1523 toStrategy invalid
1524 fromRingTime value invalid
1525 negative value not allowed for fromRingTime
1526 toRingTime value invalid
1527 negative value not allowed for toRingTime
1528 fromRetryCount value invalid
1529 negative value not allowed for fromRetryCount
1530 toRetryCount value invalid
1531 negative value not allowed for toRetryCount
1532 timeLimit empty
1533 negative value not allowed for timeLimit
1534 timeLimit value invalid
1535 ringTone invalid announcement id
1536 fromWebLogin none of the agents have this state
1537 fromWebLogin none of the agents from group have this state
1538 fromCallLogin none of the agents have this state
1539 Invalid format
1540 fromCallLogin none of the agents from group have this state
1541 toWebLogin none of the agents have this state
1542 toWebLogin none of the agents from group have this state
1543 toCallLogin none of the agents have this state
1544 toCallLogin none of the agents from group have this state
1545 timeLimitAlert invalid
1546 alertAudio invalid announcement id
1547 timeLimitAlert must be less than from timeLimit
1548 crossed maximum limit of fromRetryCount
1549 crossed maximum limit of toRetryCount
1550 crossed maximum limit of fromRingTime
1551 crossed maximum limit of toRingTime
1552 crossed maximum limit of from parameter
1553 crossed maximum limit of to parameter
1554 invalid CLI in fromCLI
1555 invalid CLI in toCLI
1556 since fromStrategy=TO_ALL, so fromCallLogin filter will not work
1557 since toStrategy=TO_ALL, so toCallLogin filter will not work
1558 Sticky will only work if out of toType and fromType at-least one have number as value,not both
1559 invalid value of stickyTimeType
1560 invalid value of stickyTimeValue. It must be an integer
1561 sticky parameter must be set for stickyTimeType, stickyTimeValue and stickyAgentBusy
1562 invalid value of stickyAgentBusy
1563 invalid value of queueTimeout. It must be an integer
1564 invalid fromWebLogin value
1565 invalid fromCallLogin value
1566 invalid fromWebLogin value
1567 invalid toCallLogin value
1568 queueTimeout will only work if out of toType and fromType at-least one have group as value
1569 Value length exceed 50 characters
1570 Invalid DND Filter Value, valid:from/to/both
1571 Invalid From Type for DND Checking
1572 Invalid To Type for DND Checking
1573 DND number exists in from
1574 DND number exists in to
1575 connection Error in DND Api
1576 Multiple values not allowed in from
1577 Multiple values not allowed in to
1578 From-Agent is not available
1579 To-Agent is not available
1580 Invalid fromType for AGENT_CLI
1581 Invalid toType for AGENT_CLI
1582 From-AGENT_CLI not found
1583 To-AGENT_CLI not found
1584 There should be at-least one agent either in TO or FROM
1585 fromCLI can not be set as AGENT_CLI if toType is group""".splitlines()
)
