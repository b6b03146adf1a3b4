/*
 * Stand-in for Tomcat JULI's log manager. wso2server.sh starts every Carbon JVM
 * with -Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager; the
 * real class ships in the product's jars. Without it the JVM prints a
 * ClassNotFoundException when JMX starts. This plain LogManager keeps the
 * stand-in's output as quiet as a real server's.
 */
package org.apache.juli;

import java.util.logging.LogManager;

public class ClassLoaderLogManager extends LogManager {
}
