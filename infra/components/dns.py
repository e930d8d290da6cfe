"""The public DNS zone and the storefront's TLS certificate in each region.

The zone is either an existing, delegated one (stack config dns.zoneId, the usual case) or created here; a created
zone's name servers are the stack output dns.nameServers, and its certificates validate only once the parent zone
delegates to them (README.md, "With an AWS account and the Pulumi CLI").

The zone is the failover switch: traffic moves between regions by Route 53 answering
with the other region's load balancer, so the zone must not depend on either region
being up (Route 53 is a global service; the primary provider only signs the API calls).

An ACM certificate is regional and each region's load balancer can only use a
certificate from its own region, so the same host name is certified twice. Both are
issued and validated ahead of time: a standby whose certificate is still pending
validation cannot take traffic, which would turn a DNS failover into an outage.
"""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from drcore.platform import PRIMARY
from drcore.stack_config import StackConfig
from infra.context import RegionContext


@dataclass
class PublicZoneArgs:
    config: StackConfig
    contexts: dict[str, RegionContext]  # role -> context; both deployment regions


class PublicZone(pulumi.ComponentResource):
    """The hosted zone, a DNS-validated certificate per region, and the shared validation record."""

    zone_id: pulumi.Output[str]
    zone_name: str
    certificate_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: PublicZoneArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:dns:PublicZone", name, None, opts)
        dns = args.config.dns
        home = args.contexts[PRIMARY]

        if dns.zone_id:
            # The usual case: a zone that already exists and is delegated, so certificates validate at once.
            zone_id: pulumi.Input[str] = dns.zone_id
            name_servers: pulumi.Input[list] = []
        else:
            zone = aws.route53.Zone(
                home.name("zone"),
                name=dns.zone_name,
                comment=f"Public zone for {dns.record_name}; failover records switch regions here",
                # A recreated zone gets new name servers, which breaks the parent delegation until someone
                # updates the registrar: keep production's zone from being deleted by an accidental change.
                opts=home.opts(self, protect=args.config.environment == "prod"),
            )
            zone_id, name_servers = zone.zone_id, zone.name_servers

        certificates = {
            role: aws.acm.Certificate(
                ctx.name("certificate"),
                domain_name=dns.record_name,
                validation_method="DNS",  # renews itself as long as the validation record stays in the zone
                key_algorithm="RSA_2048",  # the broadest client support; ALB security policies all accept it
                opts=ctx.opts(self),
            )
            for role, ctx in args.contexts.items()
        }

        # ACM derives the validation CNAME from the account and the domain name, so the certificates in
        # both regions ask for the same record. One record serves both; two records with the same name
        # would fight over it and deleting either would break renewal of the other certificate.
        # CertificateValidation checks that the record matches what each certificate asks for, so a
        # mismatch fails the deployment instead of leaving a certificate pending.
        validation = certificates[PRIMARY].domain_validation_options.apply(lambda options: options[0])
        validation_record = aws.route53.Record(
            home.name("certificate-cname"),
            zone_id=zone_id,
            name=validation.apply(lambda option: option.resource_record_name),
            type=validation.apply(lambda option: option.resource_record_type),
            records=[validation.apply(lambda option: option.resource_record_value)],
            ttl=300,
            # The record may already exist from an earlier certificate for the same name (same CNAME);
            # taking it over is safe because its value is fixed by the account and domain.
            allow_overwrite=True,
            opts=home.opts(self),
        )

        self.certificate_arns = {
            role: aws.acm.CertificateValidation(
                args.contexts[role].name("certificate-validation"),
                certificate_arn=certificate.arn,
                validation_record_fqdns=[validation_record.fqdn],
                opts=args.contexts[role].opts(self),
            ).certificate_arn
            for role, certificate in certificates.items()
        }
        self.zone_id = pulumi.Output.from_input(zone_id)
        self.zone_name = dns.zone_name
        self.name_servers = pulumi.Output.from_input(name_servers)  # for delegating a new zone from its parent
        self.register_outputs({"zoneId": self.zone_id, "nameServers": self.name_servers,
                               **{f"certificateArn-{role}": arn for role, arn in self.certificate_arns.items()}})
