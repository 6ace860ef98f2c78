package io.crfs.cli;

/** A HOST:PORT argument. */
record HostPort(String host, int port) {
    static HostPort parse(String s) {
        int i = s.lastIndexOf(':');
        if (i <= 0 || i == s.length() - 1) {
            throw CliException.notFound("'" + s + "' is not HOST:PORT; write e.g. 127.0.0.1:7070");
        }
        try {
            int port = Integer.parseInt(s.substring(i + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            String host = s.substring(0, i);
            return new HostPort(host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host, port);
        } catch (NumberFormatException e) {
            throw CliException.notFound("port in '" + s + "' must be a number from 0 to 65535");
        }
    }
}
