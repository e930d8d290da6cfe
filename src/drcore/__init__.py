"""The platform's shared facts and models in pure Python (no Pulumi, no boto3): DR roles, regions, tag keys,
disruptions and data tiers, the recovery-target reader, the recovery model, the stack config and the control
catalogue reader. The program, the failover function, the CLI and (through a generated copy) the policy pack
all import it; it imports none of them. Modules refer to each other relatively, so the copy works where it is."""
