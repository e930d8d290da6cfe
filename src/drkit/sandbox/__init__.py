"""The sandbox: the drill's emulated two-region platform kept running for people to rehearse in (`drkit sandbox`).

`up` runs it in the foreground and writes, in its directory, `outputs.json` (the stack outputs the CLI reads),
`env` (to `source`: points the CLI's AWS clients and probes at the emulation) and `control.json` (where the
running sandbox takes faults and answers status, on loopback). `fault` and `status` talk to it.
"""
