package io.crfs.nio;

import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;

/**
 * Owners are numeric ids: the server has no user database, so a principal's name is its
 * decimal uid or gid, and lookups accept decimal ids (and "root" for 0).
 */
final class Principals extends UserPrincipalLookupService {
    record User(int uid) implements UserPrincipal {
        @Override public String getName() { return Integer.toString(uid); }
        @Override public String toString() { return getName(); }
    }

    record Group(int gid) implements GroupPrincipal {
        @Override public String getName() { return Integer.toString(gid); }
        @Override public String toString() { return getName(); }
    }

    static int uid(UserPrincipal p) {
        if (p instanceof User u) {
            return u.uid;
        }
        if (p instanceof Group g) {
            return g.gid;
        }
        return parse(p.getName());
    }

    static int gid(GroupPrincipal p) {
        if (p instanceof Group g) {
            return g.gid;
        }
        return parse(p.getName());
    }

    private static int parse(String name) {
        if (name.equals("root")) {
            return 0;
        }
        try {
            int id = Integer.parseInt(name);
            if (id < 0) {
                throw new NumberFormatException();
            }
            return id;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("crfs owners are numeric ids, not " + name);
        }
    }

    @Override
    public UserPrincipal lookupPrincipalByName(String name) throws UserPrincipalNotFoundException {
        try {
            return new User(parse(name));
        } catch (IllegalArgumentException e) {
            throw new UserPrincipalNotFoundException(name);
        }
    }

    @Override
    public GroupPrincipal lookupPrincipalByGroupName(String group) throws UserPrincipalNotFoundException {
        try {
            return new Group(parse(group));
        } catch (IllegalArgumentException e) {
            throw new UserPrincipalNotFoundException(group);
        }
    }
}
