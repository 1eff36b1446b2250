#pragma once

#include <QByteArray>
#include <QString>

#include <vector>

// Builds the zips a hostile bundle would be: any entry name, symbolic links, and sizes that lie
// (patched in the local header and the central directory). Test-only; plain zip (no zip64).
struct ForgedEntry
{
    QString name;
    QByteArray data;
    unsigned unixMode = 0100644; // S_IFREG | 0644; 0120777 for a symbolic link
};

std::vector<ForgedEntry> readZipEntries(const QString &path);
void writeZip(const QString &path, const std::vector<ForgedEntry> &entries);
// Sets the uncompressed size that both zip headers of `name` declare.
void patchDeclaredSize(const QString &path, const QString &name, quint32 size);
