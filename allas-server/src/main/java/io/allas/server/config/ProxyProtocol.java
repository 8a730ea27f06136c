package io.allas.server.config;

import static io.allas.server.config.Fallback.absent;
import static io.allas.server.config.Fallback.required;
import static io.allas.server.config.ValueType.addressRanges;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * The {@code listen.proxy_protocol} section: which peers are load balancers that announce each
 * client with a PROXY protocol header.
 *
 * @param trusted the load balancers' addresses: their connections must begin with a header, and
 *                nobody else's may
 */
public record ProxyProtocol(List<AddressRange> trusted) {

    static final Structure SECTION = new Structure("listen.proxy_protocol", Structure.Shape.SECTION, absent("off"),
            "PROXY protocol (v1 and v2) from load balancers; the section's presence turns it on");
    static final Option<List<AddressRange>> TRUSTED = new Option<>("listen.proxy_protocol.trusted",
            addressRanges(), required(),
            "the load balancers' addresses (CIDR ranges, a JSON array): their connections must begin with a PROXY header, no one else's may");

    static final List<Declaration> DECLARATIONS = List.of(SECTION, TRUSTED);

    public ProxyProtocol {
        trusted = List.copyOf(trusted);
    }

    /**
     * @param peer a connection's own peer address
     * @return whether the peer is a trusted load balancer
     */
    public boolean trusts(InetAddress peer) {
        return trusted.stream().anyMatch(range -> range.contains(peer));
    }

    /**
     * @param root the root section
     * @return the settings; empty without a {@code listen.proxy_protocol} section
     */
    static Optional<ProxyProtocol> read(ConfigSection root) throws ConfigException {
        Optional<ConfigSection> section = root.find(SECTION);
        if (section.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ProxyProtocol(section.get().get(TRUSTED)));
    }
}
