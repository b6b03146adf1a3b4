// CarbonCheck is the tests' real consumer: it does in a JVM what Carbon 4.4's
// JDBCUserStoreManager.preparePassword and AbstractUserStoreManager
// .checkUserPasswordValid do (re-implemented from the description in
// NOTES-password-hash.md, not copied): String.getBytes() in the JVM default
// charset, MessageDigest.getInstance(name), standard Base64; trim() then
// Pattern.compile(regex).matcher(pw).matches().
//
// Run as bin/wso2server.sh runs Carbon: java -Dfile.encoding=UTF8 CarbonCheck.java
// stdin, one request per line, fields tab-separated and Base64-encoded (UTF-8):
//   hash  DIGEST|-  PASSWORD  SALT|-      -> the stored value
//   match REGEX     PASSWORD              -> true | false | error
// The first output line is the JVM default charset.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.regex.Pattern;

public class CarbonCheck {
    static String dec(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    static String prepare(String password, String salt, String digest) throws Exception {
        String input = password;
        if (salt != null) {
            input = password + salt;
        }
        if (digest == null || digest.equals("PLAIN_TEXT")) {
            return password;
        }
        MessageDigest md = MessageDigest.getInstance(digest);
        return Base64.getEncoder().encodeToString(md.digest(input.getBytes()));
    }

    public static void main(String[] args) throws Exception {
        System.out.println(Charset.defaultCharset().name());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.split("\t", -1);
            if (f[0].equals("hash")) {
                String digest = f[1].equals("-") ? null : dec(f[1]);
                String salt = f[3].equals("-") ? null : dec(f[3]);
                System.out.println(prepare(dec(f[2]), salt, digest));
            } else if (f[0].equals("match")) {
                try {
                    String pw = dec(f[2]).trim();
                    boolean ok = pw.length() > 0 && Pattern.compile(dec(f[1])).matcher(pw).matches();
                    System.out.println(ok);
                } catch (Exception e) {
                    System.out.println("error");
                }
            } else {
                System.out.println("bad request");
            }
        }
    }
}
