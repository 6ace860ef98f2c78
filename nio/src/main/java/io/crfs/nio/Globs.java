package io.crfs.nio;

import java.util.regex.Pattern;

/** {@code FileSystem.getPathMatcher} syntax "glob:" to a regex, as {@code FileSystem#getPathMatcher} documents it. */
final class Globs {
    private Globs() {}

    static Pattern toRegex(String glob) {
        StringBuilder r = new StringBuilder("^");
        boolean inGroup = false;
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '\\' -> {
                    if (++i >= glob.length()) {
                        throw new java.util.regex.PatternSyntaxException("trailing escape", glob, i);
                    }
                    r.append(Pattern.quote(String.valueOf(glob.charAt(i))));
                }
                case '*' -> {
                    if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                        r.append(".*");
                        i++;
                    } else {
                        r.append("[^/]*");
                    }
                }
                case '?' -> r.append("[^/]");
                case '{' -> {
                    if (inGroup) {
                        throw new java.util.regex.PatternSyntaxException("nested group", glob, i);
                    }
                    r.append("(?:(?:");
                    inGroup = true;
                }
                case '}' -> {
                    if (inGroup) {
                        r.append("))");
                        inGroup = false;
                    } else {
                        r.append("\\}");
                    }
                }
                case ',' -> r.append(inGroup ? ")|(?:" : ",");
                case '[' -> {
                    int end = glob.indexOf(']', i + 2);
                    if (end < 0) {
                        throw new java.util.regex.PatternSyntaxException("missing ]", glob, i);
                    }
                    String cls = glob.substring(i + 1, end);
                    r.append('[');
                    if (cls.startsWith("!")) {
                        r.append('^');
                        cls = cls.substring(1);
                    }
                    r.append(cls.replace("\\", "\\\\").replace("[", "\\[").replace("&&", "&\\&")).append(']');
                    r.append("(?<!/)");
                    i = end;
                }
                default -> r.append(Pattern.quote(String.valueOf(c)));
            }
        }
        if (inGroup) {
            throw new java.util.regex.PatternSyntaxException("missing }", glob, glob.length());
        }
        return Pattern.compile(r.append('$').toString());
    }
}
