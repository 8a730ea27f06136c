package io.allas.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A block of IP addresses in CIDR notation, {@code 10.0.0.0/8} or {@code fd00::/8}; a bare
 * address is a block of one.
 *
 * @param network the block's first address (bits past the prefix are ignored)
 * @param prefix  how many leading bits an address must share with it
 */
public record AddressRange(InetAddress network, int prefix) {

    /**
     * @param text the range as written
     * @return the range
     * @throws InvalidValueException when it is not an IP address with an optional prefix length
     */
    static AddressRange parse(String text) throws InvalidValueException {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        // Literals only: InetAddress would look anything else up in DNS.
        boolean ipv4 = address.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
        boolean ipv6 = address.contains(":") && address.matches("[0-9A-Fa-f:.]{2,45}");
        if (!ipv4 && !ipv6) {
            throw new InvalidValueException("\"" + text + "\" is not an IP address or CIDR range");
        }
        InetAddress network;
        try {
            network = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new InvalidValueException("\"" + text + "\" is not an IP address or CIDR range");
        }
        int bits = network.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String length = text.substring(slash + 1);
            if (!length.matches("[0-9]{1,3}") || Integer.parseInt(length) > bits) {
                throw new InvalidValueException("\"" + text + "\" has a prefix length outside 0 to " + bits);
            }
            prefix = Integer.parseInt(length);
        }
        return new AddressRange(network, prefix);
    }

    /**
     * @param address an address
     * @return whether it lies in this range (an IPv4 address never lies in an IPv6 range)
     */
    public boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        byte[] block = network.getAddress();
        if (candidate.length != block.length) {
            return false;
        }
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((candidate[bit / 8] & mask) != (block[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefix;
    }
}
