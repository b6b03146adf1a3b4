/*
 * Toml: a TOML 1.0 reader for the stand-in server, so that the stand-in
 * reads deployment.toml as a parser does, not with regular expressions.
 * Covers what WSO2's deployment.toml files use and more: tables, arrays of
 * tables, dotted and quoted keys, basic/literal/multi-line strings with
 * every escape, integers (decimal, hex, octal, binary, underscores), floats,
 * booleans, arrays (multi-line, comments, trailing comma) and inline
 * tables. Dates are kept as their text. Errors name the line. Redefining a
 * key or table is an error, as in TOML.
 */
package org.wso2.carbon.bootstrap;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class Toml {
    private final String s;
    private int i;
    private int line = 1;

    private Toml(String s) {
        this.s = s;
    }

    /** Parses a whole document into nested maps (arrays of tables are lists of maps). */
    static Map<String, Object> parse(String text) throws Exception {
        Toml t = new Toml(text);
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> cur = root;
        while (true) {
            t.skipBlankAndComments();
            if (t.eof()) {
                return root;
            }
            char c = t.peek();
            if (c == '[') {
                boolean array = t.s.startsWith("[[", t.i);
                t.i += array ? 2 : 1;
                List<String> key = t.key();
                t.expect(array ? "]]" : "]");
                t.endOfLine();
                cur = t.table(root, key, array);
            } else {
                List<String> key = t.key();
                t.expect("=");
                Object v = t.value();
                t.put(cur, key, v);
                t.endOfLine();
            }
        }
    }

    /**
     * Prints each file as canonical JSON (keys sorted, integers as numbers,
     * floats as numbers, dates as strings), one document per line: the tests
     * compare it with a Go TOML parser's reading of the same file.
     */
    public static void main(String[] args) throws Exception {
        for (String f : args) {
            Map<String, Object> doc = parse(new String(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get(f)),
                    java.nio.charset.StandardCharsets.UTF_8));
            StringBuilder b = new StringBuilder();
            json(b, doc);
            System.out.println(b);
        }
    }

    @SuppressWarnings("unchecked")
    static void json(StringBuilder b, Object v) {
        if (v instanceof Map) {
            b.append('{');
            boolean first = true;
            for (String k : new java.util.TreeMap<>((Map<String, Object>) v).keySet()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                jsonString(b, k);
                b.append(':');
                json(b, ((Map<String, Object>) v).get(k));
            }
            b.append('}');
        } else if (v instanceof List) {
            b.append('[');
            boolean first = true;
            for (Object o : (List<Object>) v) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                json(b, o);
            }
            b.append(']');
        } else if (v instanceof String) {
            jsonString(b, (String) v);
        } else {
            b.append(v);
        }
    }

    static void jsonString(StringBuilder b, String s) {
        b.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('"');
    }

    /** The value at a dotted path (each part a plain key), or null. */
    @SuppressWarnings("unchecked")
    static Object get(Map<String, Object> doc, String path) {
        Object cur = doc;
        for (String p : path.split("\\.")) {
            if (!(cur instanceof Map)) {
                return null;
            }
            cur = ((Map<String, Object>) cur).get(p);
        }
        return cur;
    }

    static String str(Map<String, Object> doc, String path, String def) {
        Object v = get(doc, path);
        return v == null ? def : String.valueOf(v);
    }

    private Exception err(String msg) {
        return new Exception("deployment.toml line " + line + ": " + msg);
    }

    private boolean eof() {
        return i >= s.length();
    }

    private char peek() {
        return s.charAt(i);
    }

    private void expect(String tok) throws Exception {
        skipSpace();
        if (!s.startsWith(tok, i)) {
            throw err("expected " + tok);
        }
        i += tok.length();
    }

    private void skipSpace() {
        while (!eof() && (peek() == ' ' || peek() == '\t')) {
            i++;
        }
    }

    private void skipComment() {
        if (!eof() && peek() == '#') {
            while (!eof() && peek() != '\n') {
                i++;
            }
        }
    }

    private void skipBlankAndComments() {
        while (true) {
            skipSpace();
            skipComment();
            if (eof()) {
                return;
            }
            if (peek() == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                i++;
            }
            if (peek() == '\n') {
                i++;
                line++;
                continue;
            }
            return;
        }
    }

    private void endOfLine() throws Exception {
        skipSpace();
        skipComment();
        if (eof()) {
            return;
        }
        if (peek() == '\r') {
            i++;
        }
        if (eof() || peek() != '\n') {
            throw err("unexpected text after a value");
        }
        i++;
        line++;
    }

    private List<String> key() throws Exception {
        List<String> parts = new ArrayList<>();
        while (true) {
            skipSpace();
            if (eof()) {
                throw err("expected a key");
            }
            char c = peek();
            if (c == '"') {
                parts.add(basicString());
            } else if (c == '\'') {
                parts.add(literalString());
            } else {
                int st = i;
                while (!eof() && (Character.isLetterOrDigit(peek()) || peek() == '_' || peek() == '-')) {
                    i++;
                }
                if (st == i) {
                    throw err("expected a key");
                }
                parts.add(s.substring(st, i));
            }
            skipSpace();
            if (!eof() && peek() == '.') {
                i++;
                continue;
            }
            return parts;
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> table(Map<String, Object> root, List<String> key, boolean array) throws Exception {
        Map<String, Object> cur = root;
        for (int k = 0; k < key.size(); k++) {
            String p = key.get(k);
            boolean last = k == key.size() - 1;
            Object v = cur.get(p);
            if (last && array) {
                if (v == null) {
                    v = new ArrayList<Map<String, Object>>();
                    cur.put(p, v);
                }
                if (!(v instanceof List)) {
                    throw err(String.join(".", key) + " is not an array of tables");
                }
                Map<String, Object> t = new LinkedHashMap<>();
                ((List<Object>) v).add(t);
                return t;
            }
            if (v == null) {
                v = new LinkedHashMap<String, Object>();
                cur.put(p, v);
            } else if (v instanceof List) {
                List<Object> l = (List<Object>) v;
                v = l.get(l.size() - 1);
            } else if (!(v instanceof Map)) {
                throw err(String.join(".", key) + ": " + p + " is a value, not a table");
            }
            cur = (Map<String, Object>) v;
        }
        return cur;
    }

    @SuppressWarnings("unchecked")
    private void put(Map<String, Object> t, List<String> key, Object v) throws Exception {
        Map<String, Object> cur = t;
        for (int k = 0; k < key.size() - 1; k++) {
            Object o = cur.get(key.get(k));
            if (o == null) {
                o = new LinkedHashMap<String, Object>();
                cur.put(key.get(k), o);
            } else if (!(o instanceof Map)) {
                throw err(String.join(".", key) + ": " + key.get(k) + " is a value, not a table");
            }
            cur = (Map<String, Object>) o;
        }
        String last = key.get(key.size() - 1);
        if (cur.containsKey(last)) {
            throw err("key " + String.join(".", key) + " is defined twice");
        }
        cur.put(last, v);
    }

    private Object value() throws Exception {
        skipSpace();
        if (eof()) {
            throw err("expected a value");
        }
        char c = peek();
        if (s.startsWith("\"\"\"", i)) {
            return multiBasic();
        }
        if (s.startsWith("'''", i)) {
            return multiLiteral();
        }
        if (c == '"') {
            return basicString();
        }
        if (c == '\'') {
            return literalString();
        }
        if (c == '[') {
            return array();
        }
        if (c == '{') {
            return inlineTable();
        }
        if (s.startsWith("true", i)) {
            i += 4;
            return Boolean.TRUE;
        }
        if (s.startsWith("false", i)) {
            i += 5;
            return Boolean.FALSE;
        }
        int st = i;
        while (!eof() && ",]}#\n\r\t".indexOf(peek()) < 0 && !(peek() == ' ' && !isDateSpace(st))) {
            i++;
        }
        String tok = s.substring(st, i);
        if (tok.isEmpty()) {
            throw err("expected a value");
        }
        return number(tok);
    }

    /** A space inside a value only belongs to it in a date-time (1979-05-27 07:32:00). */
    private boolean isDateSpace(int st) {
        String sofar = s.substring(st, i);
        return sofar.matches("\\d{4}-\\d{2}-\\d{2}") && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1));
    }

    private Object number(String tok) throws Exception {
        String t = tok.replace("_", "");
        try {
            if (t.matches("[+-]?0x[0-9a-fA-F]+")) {
                return Long.parseLong(t.replace("0x", ""), 16);
            }
            if (t.matches("[+-]?0o[0-7]+")) {
                return Long.parseLong(t.replace("0o", ""), 8);
            }
            if (t.matches("[+-]?0b[01]+")) {
                return Long.parseLong(t.replace("0b", ""), 2);
            }
            if (t.matches("[+-]?(0|[1-9][0-9]*)")) {
                return Long.parseLong(t);
            }
            if (t.matches("[+-]?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) {
                return Double.parseDouble(t);
            }
            if (t.matches("\\d{4}-\\d{2}-\\d{2}.*|\\d{2}:\\d{2}:\\d{2}.*")) {
                return tok;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw err("invalid value " + tok);
    }

    private List<Object> array() throws Exception {
        i++;
        List<Object> out = new ArrayList<>();
        while (true) {
            skipBlankAndComments();
            if (eof()) {
                throw err("unterminated array");
            }
            if (peek() == ']') {
                i++;
                return out;
            }
            out.add(value());
            skipBlankAndComments();
            if (!eof() && peek() == ',') {
                i++;
                continue;
            }
            skipBlankAndComments();
            if (eof() || peek() != ']') {
                throw err("expected , or ] in an array");
            }
        }
    }

    private Map<String, Object> inlineTable() throws Exception {
        i++;
        Map<String, Object> out = new LinkedHashMap<>();
        skipSpace();
        if (!eof() && peek() == '}') {
            i++;
            return out;
        }
        while (true) {
            List<String> k = key();
            expect("=");
            put(out, k, value());
            skipSpace();
            if (eof()) {
                throw err("unterminated inline table");
            }
            if (peek() == ',') {
                i++;
                continue;
            }
            if (peek() == '}') {
                i++;
                return out;
            }
            throw err("expected , or } in an inline table");
        }
    }

    private String literalString() throws Exception {
        int end = s.indexOf('\'', i + 1);
        int nl = s.indexOf('\n', i + 1);
        if (end < 0 || (nl >= 0 && nl < end)) {
            throw err("unterminated literal string");
        }
        String v = s.substring(i + 1, end);
        i = end + 1;
        return v;
    }

    private String multiLiteral() throws Exception {
        int st = i + 3;
        if (s.startsWith("\r\n", st)) {
            st += 2;
        } else if (s.startsWith("\n", st)) {
            st++;
        }
        int end = s.indexOf("'''", st);
        if (end < 0) {
            throw err("unterminated multi-line literal string");
        }
        while (s.startsWith("'", end + 3)) {
            end++;
        }
        String v = s.substring(st, end);
        line += count(s.substring(i, end + 3), '\n');
        i = end + 3;
        return v;
    }

    private String basicString() throws Exception {
        i++;
        StringBuilder b = new StringBuilder();
        while (true) {
            if (eof() || peek() == '\n') {
                throw err("unterminated string");
            }
            char c = s.charAt(i++);
            if (c == '"') {
                return b.toString();
            }
            if (c == '\\') {
                escape(b);
            } else {
                b.append(c);
            }
        }
    }

    private String multiBasic() throws Exception {
        i += 3;
        if (s.startsWith("\r\n", i)) {
            i += 2;
            line++;
        } else if (s.startsWith("\n", i)) {
            i++;
            line++;
        }
        StringBuilder b = new StringBuilder();
        while (true) {
            if (eof()) {
                throw err("unterminated multi-line string");
            }
            if (s.startsWith("\"\"\"", i)) {
                i += 3;
                while (!eof() && peek() == '"') {
                    b.append('"');
                    i++;
                }
                return b.toString();
            }
            char c = s.charAt(i++);
            if (c == '\n') {
                line++;
            }
            if (c == '\\') {
                // A line-ending backslash trims the newline and the next line's leading space.
                int j = i;
                while (j < s.length() && (s.charAt(j) == ' ' || s.charAt(j) == '\t')) {
                    j++;
                }
                if (j < s.length() && (s.charAt(j) == '\n' || s.charAt(j) == '\r')) {
                    i = j;
                    while (!eof() && Character.isWhitespace(peek())) {
                        if (peek() == '\n') {
                            line++;
                        }
                        i++;
                    }
                    continue;
                }
                escape(b);
            } else {
                b.append(c);
            }
        }
    }

    private void escape(StringBuilder b) throws Exception {
        if (eof()) {
            throw err("unterminated escape");
        }
        char e = s.charAt(i++);
        switch (e) {
            case 'b': b.append('\b'); break;
            case 't': b.append('\t'); break;
            case 'n': b.append('\n'); break;
            case 'f': b.append('\f'); break;
            case 'r': b.append('\r'); break;
            case 'e': b.append('\u001b'); break;
            case '"': b.append('"'); break;
            case '\\': b.append('\\'); break;
            case 'u':
            case 'U': {
                int n = e == 'u' ? 4 : 8;
                if (i + n > s.length()) {
                    throw err("short unicode escape");
                }
                b.appendCodePoint(Integer.parseInt(s.substring(i, i + n), 16));
                i += n;
                break;
            }
            default:
                throw err("invalid escape \\" + e);
        }
    }

    private static int count(String x, char c) {
        int n = 0;
        for (int k = 0; k < x.length(); k++) {
            if (x.charAt(k) == c) {
                n++;
            }
        }
        return n;
    }
}
